"""The whole system on one machine: every service and the sandbox as real processes."""

from waops_devstack.stack import SERVICES, ServiceProcess, Stack, StackConfig

__all__ = ["SERVICES", "ServiceProcess", "Stack", "StackConfig"]
