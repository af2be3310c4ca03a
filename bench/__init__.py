"""Load and scale benchmarks (`make bench`): a data generator and a load runner. Not timed tests."""
