"""Hardware drivers for the minimarket box: receipt printer (`drivers.printing`), scale, barcode scanner and GPIO,
each behind a small protocol with a simulated twin. A standalone library: it imports nothing from `appliance`.
"""
