"""Sweeps: grids of replays under venue profiles, run on Dask, written as Parquet."""
