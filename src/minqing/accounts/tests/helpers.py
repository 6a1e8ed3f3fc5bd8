"""Logging in the real way (the login page, with the password only) and reading TOTP codes."""

from __future__ import annotations

import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from minqing.accounts.tests.factories import PASSWORD

IP = "10.20.30.40"


def log_in(client, username: str, password: str = PASSWORD, *, ip: str = IP, **data):
    """Post the login form, as a browser does (client.force_login would pass the TOTP step)."""
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password, **data},
        REMOTE_ADDR=ip,
    )


def code_of(device: TOTPDevice, *, steps: int = 0) -> str:
    """The device's code now (or `steps` time steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that is none of those the device accepts now (it tolerates one step either way)."""
    accepted = {code_of(device, steps=s) for s in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)
