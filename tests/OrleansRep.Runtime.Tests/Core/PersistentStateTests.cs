using System.Text;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Tests.Support;

namespace OrleansRep.Runtime.Tests.Core;

public sealed class PersistentStateTests
{
    private static readonly GrainId Grain = new("test.Grain", "k");

    [Fact]
    public async Task State_round_trips_through_storage_with_a_new_etag_per_write()
    {
        var storage = new MemoryGrainStorage();
        var writer = new PersistentState<CounterState>(Grain, "counter", storage);
        await writer.ReadStateAsync();
        Assert.False(writer.RecordExists);
        Assert.Null(writer.Etag);

        writer.State.Value = 7;
        await writer.WriteStateAsync();
        var firstEtag = writer.Etag;
        writer.State.Value = 8;
        await writer.WriteStateAsync();

        var reader = new PersistentState<CounterState>(Grain, "counter", storage);
        await reader.ReadStateAsync();
        Assert.True(reader.RecordExists);
        Assert.Equal(8, reader.State.Value);
        Assert.Equal(writer.Etag, reader.Etag);
        Assert.NotEqual(firstEtag, reader.Etag);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_fails_and_changes_nothing()
    {
        var storage = new MemoryGrainStorage();
        var first = new PersistentState<CounterState>(Grain, "counter", storage);
        var second = new PersistentState<CounterState>(Grain, "counter", storage);
        await first.ReadStateAsync();
        await second.ReadStateAsync();

        second.State.Value = 2;
        await second.WriteStateAsync();
        first.State.Value = 3;
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteStateAsync());

        Assert.Null(error.CurrentEtag);
        Assert.Equal(second.Etag, error.StoredEtag);
        Assert.Null(first.Etag);
        Assert.False(first.RecordExists);
        Assert.Equal(3, first.State.Value);
        var check = new PersistentState<CounterState>(Grain, "counter", storage);
        await check.ReadStateAsync();
        Assert.Equal(2, check.State.Value);

        // Re-reading picks up the current ETag; the write then succeeds.
        await first.ReadStateAsync();
        first.State.Value = 4;
        await first.WriteStateAsync();
        await check.ReadStateAsync();
        Assert.Equal(4, check.State.Value);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_fails_and_a_current_one_deletes()
    {
        var storage = new MemoryGrainStorage();
        var first = new PersistentState<CounterState>(Grain, "counter", storage);
        var second = new PersistentState<CounterState>(Grain, "counter", storage);
        first.State.Value = 1;
        await first.WriteStateAsync();
        await second.ReadStateAsync();
        second.State.Value = 2;
        await second.WriteStateAsync();

        await Assert.ThrowsAsync<InconsistentStateException>(() => first.ClearStateAsync());
        Assert.Equal(1, storage.Count);
        Assert.True(first.RecordExists);

        await second.ClearStateAsync();
        Assert.Equal(0, storage.Count);
        Assert.False(second.RecordExists);
        Assert.Equal(0, second.State.Value);
    }

    [Fact]
    public async Task Memory_storage_copies_bytes_and_keeps_states_apart_by_grain_and_name()
    {
        var storage = new MemoryGrainStorage();
        var data = Encoding.UTF8.GetBytes("one");
        var etag = await storage.WriteAsync(Grain, "a", data, expectedEtag: null, CancellationToken.None);
        data[0] = (byte)'X';
        await storage.WriteAsync(Grain, "b", Encoding.UTF8.GetBytes("two"), expectedEtag: null, CancellationToken.None);
        await storage.WriteAsync(new GrainId("test.Grain", "other"), "a", Encoding.UTF8.GetBytes("three"), expectedEtag: null, CancellationToken.None);

        var record = await storage.ReadAsync(Grain, "a", CancellationToken.None);
        Assert.NotNull(record);
        Assert.Equal("one", Encoding.UTF8.GetString(record.Data.Span));
        Assert.Equal(etag, record.Etag);
        Assert.Equal(3, storage.Count);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "a", data, expectedEtag: null, CancellationToken.None));
        Assert.Null(await storage.ReadAsync(Grain, "c", CancellationToken.None));
    }

    [Fact]
    public async Task Grain_state_clear_survives_reactivation()
    {
        var storage = new MemoryGrainStorage();
        var (silo, probe, _) = DeactivationTests.Build(storage);
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IStatefulGrain>("s");
        await grain.Add(4);
        Assert.True(await grain.RecordExists());

        await grain.Clear();
        await grain.Leave();
        await Eventually.Until(() => silo.ActivationCount == 0, "the grain deactivated");

        Assert.Equal(0, await grain.GetValue());
        Assert.False(await grain.RecordExists());
        Assert.Equal(0, storage.Count);
        Assert.Equal(2, probe.Activations);
    }
}
