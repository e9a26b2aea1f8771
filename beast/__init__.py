"""Beast: big Azure data-science VMs on demand, shut down when idle."""

__version__ = "0.1.0"
