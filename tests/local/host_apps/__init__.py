"""Small FunctionApps that the local host's tests run; never deployed."""
