using OrleansRep.Storage;

namespace OrleansRep.Cli.Stats;

/// <summary>What <c>orep db stat --json</c> prints: the environment's statistics and what opening it recovered.</summary>
internal sealed record StatDocument(string Home, StorageStats Stats, RecoveryReport Recovery);
