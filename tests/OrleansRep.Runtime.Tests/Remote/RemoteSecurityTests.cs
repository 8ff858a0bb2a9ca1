using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed class RemoteSecurityTests
{
    [Fact]
    public async Task A_read_only_client_is_refused_a_write_method_and_nothing_runs()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var reader = await host.ConnectAsync(ClientRoles.Read, clientId: "reader");

        var thrown = await Assert.ThrowsAsync<GrainAccessDeniedException>(() => reader.GetGrain<IRemoteTestGrain>("guarded").Store(5));

        Assert.Contains("reader", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("Write", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Silo.ActivationCount);
        Assert.Equal(0, host.Probe.Stored);

        var writer = await host.ConnectAsync(ClientRoles.Read | ClientRoles.Write, clientId: "writer");
        await writer.GetGrain<IRemoteTestGrain>("guarded").Store(5);
        Assert.Equal(5, host.Probe.Stored);
        // Unmarked methods need Read only.
        Assert.Equal(1, await reader.GetGrain<IRemoteTestGrain>("guarded").Increment());
    }

    [Fact]
    public async Task A_client_without_the_read_role_cannot_use_the_gateway()
    {
        await using var host = await RemoteTestHost.StartAsync();

        await Assert.ThrowsAsync<GrainAccessDeniedException>(() => host.ConnectAsync(ClientRoles.Write));

        var raw = await host.ConnectRawAsync(ClientRoles.Write);
        var response = await raw.CallAsync(IncrementCall("x"));
        Assert.Throws<GrainAccessDeniedException>(() => GrainCallCodec.DecodeResult(response, typeof(int)));
        Assert.Equal(0, host.Silo.ActivationCount);
    }

    public static TheoryData<string, byte[]> MalformedCalls()
    {
        var valid = JoinCall("grain");
        var data = new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "wrong version", [9, 1] },
            { "unknown kind", [GrainCallCodec.Version, 77] },
            { "truncated", valid[..(valid.Length / 2)] },
            { "trailing bytes", [.. valid, 0] },
            { "unknown grain type", IncrementCall("grain", "No.Such.Grain") },
        };
        var badMethod = (byte[])valid.Clone();
        badMethod[MethodIdOffset("grain")] ^= 0xFF;
        data.Add("unknown method id", badMethod);
        var hugeString = (byte[])valid.Clone();
        hugeString[2] = 0xFF;
        hugeString[3] = 0xFF;
        hugeString[4] = 0xFF;
        hugeString[5] = 0x7F;
        data.Add("string length beyond the payload", hugeString);
        var wrongType = (byte[])valid.Clone();
        wrongType[^11] = 6; // the int argument's tag says string
        data.Add("argument of the wrong type", wrongType);
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedCalls))]
    public async Task A_malformed_call_is_rejected_with_a_typed_error_and_the_gateway_keeps_serving(string what, byte[] payload)
    {
        await using var host = await RemoteTestHost.StartAsync();
        var raw = await host.ConnectRawAsync();
        var client = await host.ConnectAsync();

        var error = await Assert.ThrowsAsync<RemoteCallException>(() => raw.CallAsync(payload));

        Assert.True(typeof(GrainCallFormatException).FullName == error.RemoteTypeName, $"{what}: got {error.RemoteTypeName}: {error.Message}");
        Assert.Equal(0, host.Silo.ActivationCount);
        // The same connection and other clients go on working.
        var response = await raw.CallAsync(IncrementCall("after"));
        Assert.Equal(1, GrainCallCodec.DecodeResult(response, typeof(int)));
        Assert.Equal(2, await client.GetGrain<IRemoteTestGrain>("after").Increment());
    }

    [Fact]
    public async Task A_malformed_call_through_a_grain_client_surfaces_as_GrainCallFormatException()
    {
        await using var host = await RemoteTestHost.StartAsync();
        var raw = await host.ConnectRawAsync();
        var invoker = new RemoteGrainCallInvoker(raw);
        var method = typeof(IRemoteTestGrain).GetMethod(nameof(IRemoteTestGrain.Increment))!;
        // A grain type the silo does not serve: a well-formed call to nothing.
        var call = new GrainCall(new GrainId("No.Such.Grain", "k"), typeof(IRemoteTestGrain), method, [], CallChain.Empty);

        await Assert.ThrowsAsync<GrainCallFormatException>(() => invoker.InvokeAsync(call));
    }

    [Theory]
    [InlineData(ClientRoles.Read | ClientRoles.Write, 1)]
    [InlineData(ClientRoles.All, 2)]
    public async Task Only_a_silo_may_carry_a_call_chain_into_a_grains_turn(ClientRoles roles, int expectedMaxTurns)
    {
        await using var host = await RemoteTestHost.StartAsync();
        var raw = await host.ConnectRawAsync(roles);
        using var cancellation = new CancellationTokenSource();
        var waiting = raw.CallAsync(Encode(Target("g"), nameof(IRemoteTestGrain.WaitForCancellation), [null]), cancellationToken: cancellation.Token);
        await TransportTestKit.WithinDeadline(host.Probe.Started.Task, "the first call's turn to start");

        // A call claiming to come from inside g's own turn: call-chain reentrancy would let it interleave.
        var forged = raw.CallAsync(Encode(Target("g"), nameof(IRemoteTestGrain.Increment), [], CallChain.Empty.Append(Target("g"))));
        if (expectedMaxTurns == 2)
        {
            await TransportTestKit.WithinDeadline(forged, "the silo's reentrant call to interleave");
        }

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, GrainCallCodec.DecodeResult(await TransportTestKit.WithinDeadline(forged, "the forged call"), typeof(int)));
        var max = GrainCallCodec.DecodeResult(await raw.CallAsync(Encode(Target("g"), nameof(IRemoteTestGrain.MaxConcurrentTurns), [])), typeof(int));
        Assert.Equal(expectedMaxTurns, max);
    }

    /// <summary>An encoded Increment() call to the test grain <paramref name="key"/> of <paramref name="grainType"/>.</summary>
    internal static byte[] IncrementCall(string key, string? grainType = null) =>
        Encode(new GrainId(grainType ?? typeof(RemoteTestGrain).FullName!, key), nameof(IRemoteTestGrain.Increment), []);

    private static GrainId Target(string key) => new(typeof(RemoteTestGrain).FullName!, key);

    /// <summary>An encoded Join("k", 5, "t") call: the arguments are the payload's last 16 bytes.</summary>
    internal static byte[] JoinCall(string key) =>
        Encode(Target(key), nameof(IRemoteTestGrain.Join), ["k", 5, "t"]);

    private static byte[] Encode(GrainId target, string methodName, object?[] arguments, CallChain? chain = null)
    {
        var method = typeof(IRemoteTestGrain).GetMethod(methodName)!;
        var remote = RemoteInterface.Get(typeof(IRemoteTestGrain));
        var call = new GrainCall(target, typeof(IRemoteTestGrain), method, arguments, chain ?? CallChain.Empty);
        return GrainCallCodec.EncodeCall(call, remote, remote.GetMethod(method));
    }

    /// <summary>[version][kind] then grain type, key and interface name as [int32 length][UTF-8].</summary>
    private static int MethodIdOffset(string key) =>
        2 + 4 + typeof(RemoteTestGrain).FullName!.Length + 4 + key.Length + 4 + typeof(IRemoteTestGrain).FullName!.Length;
}
