using OrleansRep.Replication;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>A put the cluster answered: its key, value and shard, the commit token it returned, and when the answer
/// came (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
internal sealed record AcknowledgedWrite(string Key, string Value, int Shard, CommitToken Token, long AnsweredAt);
