"""``porter verify``: numerical parity of a Paddle model and its torch port.

``verify_pair`` (parity.py) is the entry point; ``porter.testing.assert_parity`` wraps it for pytest.
"""
