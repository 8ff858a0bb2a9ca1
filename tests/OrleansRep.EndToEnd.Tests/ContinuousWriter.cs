using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;

namespace OrleansRep.EndToEnd.Tests;

/// <summary>
/// One writer task: puts unique keys ("w{writer}-{n}") under Quorum one after another until stopped, and tells the
/// <see cref="WriteLedger"/> how each ended. A put in flight when the stop comes is finished, not cancelled, so its
/// outcome is known.
/// </summary>
internal static class ContinuousWriter
{
    public static Task RunAsync(OrleansRepClient client, int writer, WriteLedger ledger, CancellationToken stop) => Task.Run(async () =>
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"w{writer}-{n:D6}");
            var value = string.Create(CultureInfo.InvariantCulture, $"value {n} of writer {writer}");
            var shard = client.Map.ShardOf(Encoding.UTF8.GetBytes(key));
            try
            {
                var token = await client.PutAsync(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), new WriteOptions(AckPolicy.Quorum), CancellationToken.None);
                ledger.Acknowledge(new AcknowledgedWrite(key, value, shard, token, Stopwatch.GetTimestamp()));
            }
            catch (DurabilityNotMetException e)
            {
                ledger.MaybeCommitted(new AcknowledgedWrite(key, value, shard, e.Token, Stopwatch.GetTimestamp()));
            }
            catch (Exception e) when (e is ShardException or ClusterUnreachableException)
            {
                // The client's typed refusals (no master within its retry deadline, ...): not acknowledged.
                ledger.Refuse(e);
            }
#pragma warning disable CA1031 // Anything else is recorded and fails the test at the end, with the others' outcomes.
            catch (Exception e)
#pragma warning restore CA1031
            {
                ledger.Unexplained(key, e);
            }
        }
    }, CancellationToken.None);
}
