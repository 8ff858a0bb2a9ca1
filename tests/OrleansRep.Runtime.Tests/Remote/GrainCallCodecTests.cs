using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;

namespace OrleansRep.Runtime.Tests.Remote;

public sealed class GrainCallCodecTests
{
    private static readonly RemoteInterface Interface = RemoteInterface.Get(typeof(IRemoteTestGrain));

    [Fact]
    public void A_call_round_trips_with_target_method_chain_and_arguments()
    {
        var chain = CallChain.Empty.Append(new GrainId("T1", "a")).Append(new GrainId("T2", ""));
        var payload = Encode(nameof(IRemoteTestGrain.Join), ["key ✓", int.MinValue, null], chain);
        using var cancellation = new CancellationTokenSource();

        var (call, method) = Decode(payload, cancellation.Token);

        Assert.Equal(new GrainId(typeof(RemoteTestGrain).FullName!, "target"), call.Target);
        Assert.Equal(typeof(IRemoteTestGrain).GetMethod(nameof(IRemoteTestGrain.Join)), call.Method);
        Assert.Equal(method.Method, call.Method);
        Assert.Equal(chain.Grains.ToArray(), call.CallChain.Grains.ToArray());
        Assert.Equal(new object?[] { "key ✓", int.MinValue, null }, call.Arguments);
    }

    [Fact]
    public void A_cancellation_token_argument_is_not_sent_and_the_receivers_token_stands_in()
    {
        using var sender = new CancellationTokenSource();
        using var receiver = new CancellationTokenSource();
        var payload = Encode(nameof(IRemoteTestGrain.WaitForCancellation), [sender.Token], CallChain.Empty);

        var (call, _) = Decode(payload, receiver.Token);

        Assert.Equal(receiver.Token, Assert.IsType<CancellationToken>(call.Arguments[0]));
    }

    [Fact]
    public void Every_truncation_of_a_call_is_a_format_error()
    {
        var payload = Encode(nameof(IRemoteTestGrain.Join), ["k", 5, "text"], CallChain.Empty.Append(new GrainId("T", "k")));

        for (int length = 0; length < payload.Length; length++)
        {
            var cut = payload[..length];
            Assert.Throws<GrainCallFormatException>(() => Decode(cut, CancellationToken.None));
        }
    }

    [Fact]
    public void Random_corruption_decodes_or_fails_with_a_format_error_and_nothing_else()
    {
        const int Seed = 20260521;
        var random = new Random(Seed);
        var payload = Encode(nameof(IRemoteTestGrain.EchoRecord), [SampleBundle()], CallChain.Empty.Append(new GrainId("T", "k")));
        int rejected = 0;
        for (int round = 0; round < 2000; round++)
        {
            var corrupt = (byte[])payload.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            }

            try
            {
                Decode(corrupt, CancellationToken.None);
            }
            catch (GrainCallFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, round {round}: {e.GetType().Name} instead of GrainCallFormatException: {e.Message}");
            }
        }

        Assert.True(rejected > 0, $"seed {Seed}: no corruption was detected");
    }

    [Fact]
    public void A_value_result_and_an_exception_result_decode_as_sent()
    {
        Assert.Equal(DayOfWeek.Monday, GrainCallCodec.DecodeResult(GrainCallCodec.EncodeValue(DayOfWeek.Monday, typeof(DayOfWeek)), typeof(DayOfWeek)));
        Assert.Null(GrainCallCodec.DecodeResult(GrainCallCodec.EncodeValue(null, null), null));

        var error = GrainCallCodec.EncodeException(new KeyNotFoundException("no such key"));
        var thrown = Assert.Throws<KeyNotFoundException>(() => GrainCallCodec.DecodeResult(error, typeof(int)));
        Assert.Equal("no such key", thrown.Message);
    }

    [Fact]
    public void A_result_of_the_wrong_type_or_with_trailing_bytes_is_a_format_error()
    {
        var text = GrainCallCodec.EncodeValue("text", typeof(string));

        Assert.Throws<GrainCallFormatException>(() => GrainCallCodec.DecodeResult(text, typeof(int)));
        Assert.Throws<GrainCallFormatException>(() => GrainCallCodec.DecodeResult([.. text, 1], typeof(string)));
        Assert.Throws<GrainCallFormatException>(() => GrainCallCodec.DecodeResult(GrainCallCodec.EncodeValue(null, typeof(int)), typeof(int)));
    }

    [Fact]
    public void A_call_chain_longer_than_the_cap_is_a_format_error()
    {
        var chain = CallChain.Empty;
        for (int i = 0; i <= GrainCallCodec.MaxCallChainLength; i++)
        {
            chain = chain.Append(new GrainId("T", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var payload = Encode(nameof(IRemoteTestGrain.Ping), [], chain);

        Assert.Throws<GrainCallFormatException>(() => Decode(payload, CancellationToken.None));
    }

    [Fact]
    public void A_manifest_round_trips_and_a_lying_count_is_a_format_error()
    {
        var manifest = GrainCallCodec.EncodeManifest([("I.A", "G.A"), ("I.B", "G.B")]);

        Assert.Equal(new Dictionary<string, string> { ["I.A"] = "G.A", ["I.B"] = "G.B" }, GrainCallCodec.DecodeManifest(manifest));

        manifest[2] = 0xFF;
        manifest[5] = 0x7F;
        Assert.Throws<GrainCallFormatException>(() => GrainCallCodec.DecodeManifest(manifest));
    }

    private static EchoBundle SampleBundle() =>
        new(true, 1, 2, 3.5, "s", [1, 2, 3], Guid.Empty, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), TimeSpan.FromSeconds(1), DayOfWeek.Monday, ["x"]);

    private static byte[] Encode(string methodName, object?[] arguments, CallChain chain)
    {
        var method = typeof(IRemoteTestGrain).GetMethod(methodName)!;
        var call = new GrainCall(new GrainId(typeof(RemoteTestGrain).FullName!, "target"), typeof(IRemoteTestGrain), method, arguments, chain);
        return GrainCallCodec.EncodeCall(call, Interface, Interface.GetMethod(method));
    }

    private static (GrainCall Call, RemoteMethod Method) Decode(byte[] payload, CancellationToken cancellationToken)
    {
        var reader = new WireReader(payload);
        Assert.Equal(GrainRequestKind.Call, GrainCallCodec.ReadKind(ref reader));
        return GrainCallCodec.DecodeCall(
            ref reader,
            (grainType, interfaceName) => grainType == typeof(RemoteTestGrain).FullName && interfaceName == Interface.WireName
                ? Interface
                : throw new GrainCallFormatException($"unknown {grainType} / {interfaceName}"),
            cancellationToken);
    }
}
