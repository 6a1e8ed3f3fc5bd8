import pytest
from django.test import Client

from minqing.accounts.tests.helpers import IP


@pytest.fixture
def client():
    """Django's test client coming from one intranet address, for the audit's IP column."""
    return Client(REMOTE_ADDR=IP)
