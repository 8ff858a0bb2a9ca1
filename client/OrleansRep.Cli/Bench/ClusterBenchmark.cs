using System.Collections.Concurrent;
using OrleansRep.Client;

namespace OrleansRep.Cli.Bench;

/// <summary>
/// The phases of <c>orep bench cluster</c>, in this order: <c>quorum_commit_1c</c> (one caller putting),
/// <c>quorum_commit_64c</c> (64 callers putting), <c>read_master_64c</c> (64 callers reading written keys
/// linearizably, from each shard's master) and <c>read_any_64c</c> (the same from any replica, which the client spreads
/// over the sites). Keys and values as the BDB baseline's (<see cref="ClusterBenchKeys"/>). A read that finds nothing,
/// or another value, for a key a commit phase acknowledged is an error.
/// </summary>
internal sealed class ClusterBenchmark(IReadOnlyList<OrleansRepClient> clients, ClusterBenchOptions options, TextWriter progress)
{
    public static readonly IReadOnlyList<string> PhaseNames = ["quorum_commit_1c", "quorum_commit_64c", "read_master_64c", "read_any_64c"];

    private readonly ConcurrentBag<byte[]> _written = [];

    public async Task<IReadOnlyList<BenchPhase>> RunAsync(CancellationToken cancellationToken)
    {
        var write = new WriteOptions(options.Durability);
        var phases = new List<BenchPhase>
        {
            await CommitAsync(PhaseNames[0], 1, 1, write, cancellationToken).ConfigureAwait(false),
            await CommitAsync(PhaseNames[1], 2, ClusterBenchOptions.ManyCallers, write, cancellationToken).ConfigureAwait(false),
        };

        var keys = _written.ToArray();
        if (keys.Length == 0)
        {
            throw new InvalidOperationException("no write was acknowledged in the commit phases, so there is nothing to read");
        }

        // Sorted, so that with the seed the read sequence does not depend on the order the writes completed in.
        Array.Sort(keys, (a, b) => a.AsSpan().SequenceCompareTo(b));
        phases.Add(await ReadAsync(PhaseNames[2], keys, ReadOptions.Linearizable, cancellationToken).ConfigureAwait(false));
        phases.Add(await ReadAsync(PhaseNames[3], keys, ReadOptions.AnyReplica(), cancellationToken).ConfigureAwait(false));
        return phases;
    }

    private Task<BenchPhase> CommitAsync(string name, int phaseId, int callers, WriteOptions write, CancellationToken cancellationToken)
    {
        progress.WriteLine($"{name}: {callers} caller(s) over {clients.Count} client(s), {write.Durability} puts, warm-up {options.WarmUp.TotalSeconds:0.#} s, then {options.Duration.TotalSeconds:0.#} s");
        return ClosedLoopPhase.RunAsync(name, callers, options.WarmUp, options.Duration, async (caller, sequence, ct) =>
        {
            var key = ClusterBenchKeys.Key(phaseId, caller, sequence);
            await clients[caller % clients.Count].PutAsync(key, ClusterBenchKeys.ValueOf(key), write, ct).ConfigureAwait(false);
            _written.Add(key);
        }, progress, cancellationToken);
    }

    private Task<BenchPhase> ReadAsync(string name, byte[][] keys, ReadOptions read, CancellationToken cancellationToken)
    {
        progress.WriteLine($"{name}: {ClusterBenchOptions.ManyCallers} callers, {read.Consistency} gets of {keys.Length} written keys, warm-up {options.WarmUp.TotalSeconds:0.#} s, then {options.Duration.TotalSeconds:0.#} s");
        var random = Enumerable.Range(0, ClusterBenchOptions.ManyCallers).Select(c => new Random(options.Seed * 1000 + c)).ToArray();
        return ClosedLoopPhase.RunAsync(name, ClusterBenchOptions.ManyCallers, options.WarmUp, options.Duration, async (caller, _, ct) =>
        {
            var key = keys[random[caller].Next(keys.Length)];
            var value = await clients[caller % clients.Count].GetAsync(key, read, ct).ConfigureAwait(false);
            if (value is null || !value.AsSpan().SequenceEqual(ClusterBenchKeys.ValueOf(key)))
            {
                throw new InvalidOperationException($"key {Convert.ToHexStringLower(key)}: {(value is null ? "not found" : "another value")}, though its put was acknowledged");
            }
        }, progress, cancellationToken);
    }
}
