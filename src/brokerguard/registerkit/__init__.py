"""A small kit shared by the house registers (social, training, attestations, ...).

A register is described once by a :class:`~brokerguard.registerkit.spec.RegisterSpec`
(its model, its columns, how a row is saved); the kit then gives it list, create,
edit, import and export in the service layer, the JSON API, the HTML pages and the
CLI, all parsing values with the same :mod:`brokerguard.tabular` columns.
"""
