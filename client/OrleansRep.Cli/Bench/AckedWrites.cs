using OrleansRep.Client;

namespace OrleansRep.Cli.Bench;

/// <summary>The benchmarks' check that acknowledged writes survived: each key written by <see cref="FailoverWriters"/>
/// is read back linearizably and compared with its value.</summary>
internal static class AckedWrites
{
    /// <summary>Concurrent reads when checking the acknowledged writes.</summary>
    private const int ReadBackCallers = 16;

    /// <summary>Reads every acknowledged key back linearizably; counts those missing or with another value (a read that
    /// keeps failing counts as lost too: the write cannot be shown to be there).</summary>
    public static async Task<long> CountLostAsync(OrleansRepClient client, byte[][] keys, TextWriter progress, CancellationToken cancellationToken)
    {
        long lost = 0, next = -1;
        async Task ReaderAsync()
        {
            for (var i = Interlocked.Increment(ref next); i < keys.Length; i = Interlocked.Increment(ref next))
            {
                var key = keys[i];
                string? problem = null;
                for (var attempt = 1; attempt <= 3; attempt++)
                {
                    try
                    {
                        var value = await client.GetAsync(key, ReadOptions.Linearizable, cancellationToken).ConfigureAwait(false);
                        problem = value is null ? "missing" : value.AsSpan().SequenceEqual(ClusterBenchKeys.ValueOf(key)) ? null : "another value";
                        break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        problem = $"unreadable ({e.GetType().Name}: {e.Message})";
                    }
                }

                if (problem is not null && Interlocked.Increment(ref lost) <= 10)
                {
                    progress.WriteLine($"  lost acknowledged write: key {Convert.ToHexStringLower(key)}: {problem}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, ReadBackCallers).Select(_ => Task.Run(ReaderAsync, cancellationToken))).ConfigureAwait(false);
        return lost;
    }
}
