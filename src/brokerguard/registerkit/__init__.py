"""The register kit: every register's list, create, edit, import and export.

A register answers in one of two modes:

- **column mode** (the house registers: social, training, attestations, ...): a
  :class:`~brokerguard.registerkit.spec.RegisterSpec` describes the register once
  (model, :mod:`brokerguard.tabular` columns, how a row is saved); ``spec`` gives the
  service operations, ``web`` the JSON API and pages, ``cli`` the commands. An import
  answers ``created``/``updated``/``errors``.
- **model mode** (IoT, mobile devices, findings): rows are validated into the
  register's Pydantic input model (``model_rows``), pages are described by
  ``pages.RegisterSpec`` form fields and ``commands`` adds the CLI's import/export.
  An import answers ``total``/``loaded``/``rejected``/``errors``.

Both modes share one ``parse_mode`` (``spec``), one file reader for uploads and
paths (``files``), one ``--set`` parser (``commands.parse_assignments``) and one
table writer (``spec.table_file``).
"""
