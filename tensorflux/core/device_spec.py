"""``tf.DeviceSpec``: a device name as its parts (job, replica, task, device type, index)."""
from __future__ import annotations

import re

_PART = re.compile(r"^(job|replica|task|device):(.+)$")


class DeviceSpec:
    """TF1's DeviceSpec. ``to_string()`` gives '/job:w/replica:0/task:1/device:GPU:0'
    (parts that are None left out); ``tf.device`` accepts a DeviceSpec."""

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = None if device_type is None else str(device_type).upper()
        self.device_index = None if device_index is None or device_index == "*" else int(device_index)

    @classmethod
    def from_string(cls, spec):
        """Parse '/job:ps/task:1/device:CPU:0' (also the short '/gpu:0' forms)."""
        return cls().parse_from_string(spec)

    def parse_from_string(self, spec):
        for part in (spec or "").strip("/").split("/"):
            if not part:
                continue
            match = _PART.match(part)
            if match and match.group(1) != "device":
                key, value = match.groups()
                setattr(self, key, value if key == "job" else int(value))
                continue
            device = match.group(2) if match else part
            kind, _, index = device.partition(":")
            if not index and kind.lower() not in ("cpu", "gpu"):
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
            self.device_type = kind.upper()
            self.device_index = None if index in ("", "*") else int(index)
        return self

    def merge_from(self, dev):
        """Take every part that ``dev`` sets."""
        for key in ("job", "replica", "task", "device_type", "device_index"):
            value = getattr(dev, key)
            if value is not None:
                setattr(self, key, value)

    def replace(self, **kwargs):
        """A copy with the given parts replaced."""
        parts = {k: getattr(self, k) for k in ("job", "replica", "task", "device_type",
                                               "device_index")}
        parts.update(kwargs)
        return DeviceSpec(**parts)

    def to_string(self):
        out = ""
        for key in ("job", "replica", "task"):
            value = getattr(self, key)
            if value is not None:
                out += f"/{key}:{value}"
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            out += f"/device:{self.device_type}:{index}"
        return out

    __str__ = to_string

    def __repr__(self):
        return f"DeviceSpec({self.to_string()!r})"

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())
