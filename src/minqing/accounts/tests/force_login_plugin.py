"""A pytest plugin (loaded by `-p` in pyproject.toml, so that it reaches every app's tests):
`client.force_login(user)` stands for a session that passed the whole login, so for a 三员
admin or a superuser it also passes the TOTP step — a test device is confirmed and the session
verified, as django_otp.login does after a good code.

The real steps are tested by posting to the login page (accounts/tests/test_second_factor.py):
a session made that way has passed the password only."""

from __future__ import annotations

import pytest


def _verified_force_login(original):
    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from minqing.accounts.access import needs_second_factor

        if not needs_second_factor(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="测试设备", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    return force_login


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    from django.test import Client

    monkeypatch.setattr(Client, "force_login", _verified_force_login(Client.force_login))
