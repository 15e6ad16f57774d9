"""The catalog's REST API: public reads of published items and themes; staff drafts and publishing."""
