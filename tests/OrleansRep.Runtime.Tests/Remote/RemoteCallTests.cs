using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Transport;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed class RemoteCallTests
{
    [Fact]
    public async Task Every_return_shape_and_hot_type_round_trips()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var grain = client.GetGrain<IRemoteTestGrain>("shapes");

        await grain.Ping();
        await grain.Touch();
        Assert.Equal(1, await grain.Increment());
        Assert.Equal(1, await grain.GetCount());
        Assert.Equal("héllo ✓", await grain.EchoString("héllo ✓"));
        Assert.Null(await grain.EchoString(null));
        Assert.Equal(string.Empty, await grain.EchoString(string.Empty));
        Assert.Equal(7, await grain.EchoNullableInt(7));
        Assert.Null(await grain.EchoNullableInt(null));
        Assert.False(await grain.Negation(true));
        Assert.Equal(-(1L << 40), await grain.Negate(1L << 40));
        Assert.Equal(1.25, await grain.Half(2.5));
        var id = Guid.NewGuid();
        Assert.Equal(id, await grain.EchoGuid(id));
        var at = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        var later = await grain.AddHour(at);
        Assert.Equal(at.AddHours(1), later);
        Assert.Equal(DateTimeKind.Utc, later.Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(3), await grain.Twice(TimeSpan.FromMilliseconds(1.5)));
        Assert.Equal(DayOfWeek.Sunday, await grain.NextDay(DayOfWeek.Saturday));
        Assert.Equal(new byte[] { 3, 2, 1 }, await grain.Reverse([1, 2, 3]));
        Assert.Empty(await grain.Reverse([]));
        Assert.Equal(new byte[] { 9, 8 }, (await grain.EchoMemory(new byte[] { 9, 8 })).ToArray());
        Assert.Equal("shapes|k|-5|null", await grain.Join("k", -5, null));
    }

    [Fact]
    public async Task A_type_off_the_hot_path_travels_as_json()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var sent = new EchoBundle(true, 41, long.MinValue, 0.5, "text", [1, 2], Guid.NewGuid(), new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), TimeSpan.FromHours(2), DayOfWeek.Friday, ["a", "b"]);

        var back = await client.GetGrain<IRemoteTestGrain>("json").EchoRecord(sent);

        Assert.Equal(42, back.Number);
        Assert.Equal(sent.Big, back.Big);
        Assert.Equal(sent.Text, back.Text);
        Assert.Equal(sent.Bytes, back.Bytes);
        Assert.Equal(sent.Id, back.Id);
        Assert.Equal(sent.At, back.At);
        Assert.Equal(sent.Span, back.Span);
        Assert.Equal(sent.Day, back.Day);
        Assert.Equal(sent.Tags, back.Tags);
    }

    [Theory]
    [InlineData("invalid", typeof(InvalidOperationException))]
    [InlineData("argument", typeof(ArgumentException))]
    [InlineData("inconsistent", typeof(InconsistentStateException))]
    public async Task A_safe_exception_type_is_recreated_with_its_message(string kind, Type expected)
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => client.GetGrain<IRemoteTestGrain>("e").Fail(kind, "it broke: " + kind));

        Assert.IsType(expected, thrown);
        Assert.Equal("it broke: " + kind, thrown.Message);
    }

    [Fact]
    public async Task Another_exception_type_arrives_as_RemoteGrainException_with_type_name_and_message()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();

        var thrown = await Assert.ThrowsAsync<RemoteGrainException>(() => client.GetGrain<IRemoteTestGrain>("e").Fail("quota", "over quota by 3"));

        Assert.Equal(typeof(QuotaExceededException).FullName, thrown.RemoteTypeName);
        Assert.Equal("over quota by 3", thrown.Message);
        Assert.Equal(1, await client.GetGrain<IRemoteTestGrain>("e").Increment());
    }

    [Fact]
    public async Task Payloads_of_several_MiB_cross_both_ways_intact()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();
        var payload = new byte[5 * 1024 * 1024 + 3];
        new Random(4242).NextBytes(payload);

        var reversed = await client.GetGrain<IRemoteTestGrain>("big").Reverse(payload);
        var echoed = await client.GetGrain<IRemoteTestGrain>("big").EchoMemory(payload);

        Array.Reverse(payload);
        Assert.True(payload.AsSpan().SequenceEqual(reversed), "the reversed payload differs");
        Array.Reverse(payload);
        Assert.True(payload.AsSpan().SequenceEqual(echoed.Span), "the echoed payload differs");
    }

    [Fact]
    public async Task Many_concurrent_remote_callers_still_get_one_turn_at_a_time()
    {
        const int Callers = 64;
        const int CallsEach = 40;
        await using var host = await RemoteTestHost.StartAsync();
        var clients = new List<GrainClient>();
        for (int i = 0; i < 4; i++)
        {
            clients.Add(await host.ConnectAsync(clientId: "client-" + i));
        }

        await TransportTestKit.WithinDeadline(
            Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
            {
                var grain = clients[caller % clients.Count].GetGrain<IRemoteTestGrain>("counter");
                for (int call = 0; call < CallsEach; call++)
                {
                    await grain.Increment();
                }
            })),
            "64 callers incrementing one grain");

        var reader = clients[0].GetGrain<IRemoteTestGrain>("counter");
        Assert.Equal(Callers * CallsEach, await reader.GetCount());
        Assert.Equal(1, await reader.MaxConcurrentTurns());
        Assert.Equal(1, host.Silo.ActivationCount);
    }

    [Fact]
    public async Task A_client_asking_for_an_interface_the_silo_does_not_serve_is_told_so()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var client = await host.ConnectAsync();

        var thrown = Assert.Throws<ArgumentException>(() => client.GetGrain<IUnservedGrain>("x"));

        Assert.Contains(nameof(IUnservedGrain), thrown.Message, StringComparison.Ordinal);
    }
}

public interface IUnservedGrain : IGrainWithStringKey
{
    Task DoNothing();
}
