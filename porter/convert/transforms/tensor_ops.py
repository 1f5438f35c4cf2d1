"""(being written)"""
from porter.convert.transforms.base import NotConverted


def _pending(site):
    raise NotConverted("not-implemented", "transform being written")


matmul = split = to_tensor = astype = tensor_transpose = flatten_method = _pending
