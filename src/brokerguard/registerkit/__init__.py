"""The register kit: every register's list, create, edit, import and export.

A domain declares each register once, as one
:class:`~brokerguard.registerkit.spec.RegisterSpec` (key, path, titles, model,
requirement IDs); its ``mode`` is the register's answer shape:

- **column mode** (:class:`~brokerguard.registerkit.spec.ColumnMode`; social, training,
  attestations, ...): :mod:`brokerguard.tabular` columns describe the rows and how one is
  saved; ``spec`` gives the service operations, ``web`` the JSON API and pages, ``cli``
  the commands. An import answers ``created``/``updated``/``errors``.
- **model mode** (:class:`~brokerguard.registerkit.spec.ModelMode`; IoT, mobile devices,
  findings): rows and forms are validated into the register's Pydantic input model
  (``model_rows``) and handed to the domain's service; ``pages`` gives the pages and the
  table API, ``commands`` the CLI's import/export. An import answers
  ``total``/``loaded``/``rejected``/``errors``.

Both modes share one ``parse_mode`` (``spec``), one file reader for uploads and
paths (``files``), one ``--set`` parser (``commands.parse_assignments``) and one
table writer (``spec.table_file``).
"""
