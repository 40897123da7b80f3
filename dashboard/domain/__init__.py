"""The pure domain model. Nothing in this package does IO."""
