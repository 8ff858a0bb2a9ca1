using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRep.Client.Tests.Fakes;

namespace OrleansRep.Client.Tests;

/// <summary>Shared helpers: a client on a <see cref="FakeCluster"/>, text keys, keys of a chosen shard, waiting on conditions.</summary>
internal static class ClientTestKit
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static OrleansRepClient ClientOn(FakeCluster cluster, Action<OrleansRepClientOptions>? configure = null)
    {
        var options = new OrleansRepClientOptions { Secret = new byte[32], Shards = cluster.Map.Shards, RetryDeadline = Deadline, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        options.Validate();
        return new OrleansRepClient(options, TimeProvider.System, NullLogger.Instance, cluster);
    }

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    public static string S(byte[]? b) => b is null ? "<null>" : Encoding.UTF8.GetString(b);

    public static string KeyOf(FakeCluster cluster, int shard, string prefix = "k", int skip = 0) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"{prefix}{i}").Where(k => cluster.Map.ShardOf(B(k)) == shard).Skip(skip).First();

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Deadline, $"{explain()} (not within {Deadline})");
            await Task.Delay(20);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, Func<string> explain)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Deadline, $"{explain()} (not within {Deadline})");
            await Task.Delay(5);
        }
    }
}
