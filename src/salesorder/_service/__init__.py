"""The use cases of [OrderService][salesorder.service.OrderService], one module per stage.

``core`` holds what every use case shares (the ports, pricing at the order's own time,
running a lifecycle command in one unit of work, relaying after the commit); each other
module is a mixin of the service for one stage of the order's life. The service itself,
its docstring and its public name live in ``salesorder.service``.
"""
