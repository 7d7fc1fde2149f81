"""Local fakes of chat platform APIs for tests and benchmarks."""
