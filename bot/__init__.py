"""kefu (客服): a scripted customer for the e-commerce exam's customer-service module.

The package is laid out by role: ``core`` is the pure domain (scenarios, the customer engine,
the move detector); ``scripts`` and ``nlp`` load trainers' data files into it; ``storage``,
``channels`` and ``cli`` are thin adapters around it.
"""

__version__ = "0.1.0"
