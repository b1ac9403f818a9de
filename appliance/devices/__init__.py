"""The box's hardware as the shop uses it: which driver serves which lane (`manager`), scans into carts (`scans`),
device health in Spanish (`health`), the printed boleta (`receipts`), the lanes' device settings (`specs`,
`lane_settings`), what is plugged in (`detect`), the settings page's test buttons (`actions`) and the CLI (`cli`).

Imports `drivers/`, never the reverse; nothing here imports Litestar.
"""
