"""(being written)"""
from porter.convert.transforms.base import NotConverted


def _pending(site):
    raise NotConverted("not-implemented", "transform being written")


add_sublayer = create_parameter = _pending
