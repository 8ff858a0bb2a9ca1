using System.Text;
using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Tests.Support;
using OrleansRep.Runtime.Core;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Tests.Engine;

public sealed class EngineGrainStorageTests : IDisposable
{
    private static readonly GrainId Grain = new("test.Grain", "k");
    private static readonly StorageOptions Options = new() { CheckpointInterval = TimeSpan.Zero, CacheSize = 1 << 20 };

    private readonly TemporaryDirectory _dir = new("orep-grains-state-");

    private string Home => _dir.Combine("site-1/site");

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task State_round_trips_and_a_clear_removes_it()
    {
        using var env = StorageEnvironment.Open(Home, Options);
        var storage = new EngineGrainStorage(env);
        Assert.Null(await storage.ReadAsync(Grain, "a", default));
        var etag = await storage.WriteAsync(Grain, "a", B("one"), null, default);
        await storage.WriteAsync(Grain, "b", B("two"), null, default);
        await storage.WriteAsync(new GrainId("test.Grain", "k2"), "a", B("three"), null, default);

        var record = await storage.ReadAsync(Grain, "a", default);
        Assert.Equal("one", Encoding.UTF8.GetString(record!.Data.Span));
        Assert.Equal(etag, record.Etag);
        var etag2 = await storage.WriteAsync(Grain, "a", B("uno"), etag, default);
        Assert.NotEqual(etag, etag2);
        await storage.ClearAsync(Grain, "a", etag2, default);
        Assert.Null(await storage.ReadAsync(Grain, "a", default));
        Assert.Equal("two", Encoding.UTF8.GetString((await storage.ReadAsync(Grain, "b", default))!.Data.Span));
        await storage.ClearAsync(Grain, "never", null, default); // nothing there, nothing expected: a no-op
    }

    [Fact]
    public async Task A_stale_etag_is_refused_and_nothing_is_written()
    {
        using var env = StorageEnvironment.Open(Home, Options);
        var storage = new EngineGrainStorage(env);
        var first = await storage.WriteAsync(Grain, "s", B("1"), null, default);
        var second = await storage.WriteAsync(Grain, "s", B("2"), first, default);
        var end = env.LogEnd;

        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "s", B("3"), first, default));
        Assert.Equal(second, stale.StoredEtag);
        Assert.Equal(first, stale.CurrentEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "s", B("3"), null, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(Grain, "s", first, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "none", B("3"), second, default));

        Assert.Equal(end, env.LogEnd); // not even a log record
        Assert.Equal("2", Encoding.UTF8.GetString((await storage.ReadAsync(Grain, "s", default))!.Data.Span));
    }

    [Fact]
    public async Task State_survives_a_reopen_and_etags_are_never_reused()
    {
        HashSet<string> etags = [];
        string last;
        using (var env = StorageEnvironment.Open(Home, Options))
        {
            var storage = new EngineGrainStorage(env);
            var etag = await storage.WriteAsync(Grain, "s", B("a"), null, default);
            etags.Add(etag);
            await storage.ClearAsync(Grain, "s", etag, default);
            last = await storage.WriteAsync(Grain, "s", B("b"), null, default);
            Assert.True(etags.Add(last));
        }

        using (var env = StorageEnvironment.Open(Home, Options))
        {
            var storage = new EngineGrainStorage(env);
            var record = await storage.ReadAsync(Grain, "s", default);
            Assert.Equal("b", Encoding.UTF8.GetString(record!.Data.Span));
            Assert.Equal(last, record.Etag);
            await storage.ClearAsync(Grain, "s", last, default);
            Assert.True(etags.Add(await storage.WriteAsync(Grain, "s", B("c"), null, default)), "an ETag came back after a reopen");
        }
    }

    [Fact]
    public async Task Behaves_like_memory_storage_on_the_same_script()
    {
        const int seed = 17;
        var random = new Random(seed);
        using var env = StorageEnvironment.Open(Home, Options);
        var engine = new EngineGrainStorage(env);
        var memory = new MemoryGrainStorage();
        GrainId[] grains = [Grain, new("test.Grain", "k2"), new("other.Grain", "k")];
        string[] names = ["a", "b"];
        Dictionary<(GrainId, string), string?> known = [];
        for (var step = 0; step < 400; step++)
        {
            var (grain, name) = (grains[random.Next(grains.Length)], names[random.Next(names.Length)]);
            var context = $"seed {seed}, step {step}, {grain} {name}";
            var etag = random.Next(4) switch
            {
                0 => null,
                1 => "999999",
                _ => known.GetValueOrDefault((grain, name)),
            };
            var op = random.Next(3);
            var expected = await Outcome(memory, op, grain, name, etag, step);
            var actual = await Outcome(engine, op, grain, name, etag, step);
            Assert.True(expected == actual, $"{context}: memory {expected}, engine {actual}");
            var read = await memory.ReadAsync(grain, name, default);
            known[(grain, name)] = read?.Etag;
        }

        static async Task<string> Outcome(IGrainStorage storage, int op, GrainId grain, string name, string? etag, int step)
        {
            try
            {
                return op switch
                {
                    0 => "wrote " + await storage.WriteAsync(grain, name, B($"v{step}"), etag, default),
                    1 => await storage.ClearAsync(grain, name, etag, default).ContinueWith(t => { t.GetAwaiter().GetResult(); return "cleared"; }, TaskScheduler.Default),
                    _ => await storage.ReadAsync(grain, name, default) is { } r ? $"read {Encoding.UTF8.GetString(r.Data.Span)} {r.Etag}" : "read none",
                };
            }
            catch (InconsistentStateException e)
            {
                return $"refused: stored {e.StoredEtag}, given {e.CurrentEtag}";
            }
        }
    }

    [Fact]
    public async Task A_grains_state_outlives_its_silo_and_engine()
    {
        for (var run = 1; run <= 2; run++)
        {
            using var env = StorageEnvironment.Open(Home, Options);
            await using var silo = new SiloBuilder()
                .AddGrainStorage(SiloBuilder.DefaultGrainStorage, new EngineGrainStorage(env))
                .AddGrain<ICounterGrain, CounterGrain>()
                .Build();
            var grain = silo.GrainFactory.GetGrain<ICounterGrain>("c");
            Assert.Equal((run - 1) * 5, await grain.GetValue());
            await grain.Add(2);
            await grain.Add(3);
            Assert.Equal(run * 5, await grain.GetValue());
        }
    }

    public void Dispose() => _dir.Dispose();
}
