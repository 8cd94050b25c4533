"""Certificate Transparency monitor (A8.1): follow CT logs, verify them, score every name.

- :mod:`.tls`: RFC 6962 binary structures (``MerkleTreeLeaf``, tree-head signatures);
- :mod:`.certs`: names, issuer, validity and SHA-256 of x509 and precert entries;
- :mod:`.client`: the RFC 6962 HTTP API (``get-sth``, ``get-entries``, consistency);
- :mod:`.verify`: tree-head signatures (ECDSA P-256, RSA) and Merkle checks with the
  project's own RFC 6962 code (:mod:`brokerguard.audit.merkle`);
- :mod:`.loglist`: Google's v3 log list;
- :mod:`.reader`: the names of fetched entries, read in a helper process;
- :mod:`.monitor`: one poll of every followed log, checkpoint and cases.
"""
