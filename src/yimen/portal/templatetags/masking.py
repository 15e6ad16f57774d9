"""Template filters that mask personal data: {{ person.id_number|mask_id }}."""

from django import template

from yimen.common import masking

register = template.Library()
register.filter("mask_id", masking.mask_id_number)
register.filter("mask_name", masking.mask_name)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_address", masking.mask_address)
