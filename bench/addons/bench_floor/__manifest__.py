{
    "name": "Benchmark floor routes",
    "summary": "Bench-only: an Odoo route that inserts one row, the floor of webhook ingest",
    "version": "17.0.1.0.0",
    "author": "Motor Parts Commerce Suite",
    "license": "LGPL-3",
    "depends": ["base"],
    "data": [],
}
