"""The off-site copy of the shop: Litestream streaming the SQLite file to one replica, its health, restores, and a
second layer of nightly local snapshots.

    destination   where the replica lives (a directory or S3-compatible storage) and its keys (secrets dir)
    config        Litestream's YAML, generated from the box's settings (never hand-edited)
    litestream    the binary and the environment it runs with
    supervisor    runs `litestream replicate` as a child process, restarts it, keeps the WAL bounded offline
    health        reads Litestream's metrics and control socket: "respaldo al día", "respaldo pendiente", …
    restore       `minimarket restore`: a database from the replica (latest, or as it was at a moment)
    snapshots     `VACUUM INTO` copies in DATA_DIR/backups, kept N days
    probe         "probar conexión": write, read and delete a probe object at the destination
    service       what the app starts and stops: supervisor (unless systemd runs it), health watcher, nightly copy
    cli           the `minimarket backup …` and `minimarket restore` commands
"""
