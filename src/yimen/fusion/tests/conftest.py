import logging

# py4j logs "Closing down clientserver connection" from a finaliser at interpreter exit, after pytest has
# closed the captured streams; only its warnings matter here.
logging.getLogger("py4j").setLevel(logging.WARNING)
