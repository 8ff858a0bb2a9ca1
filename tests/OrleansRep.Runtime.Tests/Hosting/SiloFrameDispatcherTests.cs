using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Tests.Transport;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Tests.Hosting;

public sealed class SiloFrameDispatcherTests
{
    private static readonly CallerIdentity Caller = new("silo", ClientRoles.All, "c1");

    private static (SiloFrameDispatcher Dispatcher, List<string> Routed) Create()
    {
        var routed = new List<string>();
        var dispatcher = new SiloFrameDispatcher(
            new DelegateFrameHandler((_, _, _, _) => { routed.Add("membership"); return ValueTask.FromResult<ReadOnlyMemory<byte>>(Array.Empty<byte>()); }),
            new DelegateFrameHandler((_, _, _, _) => { routed.Add("grains"); return ValueTask.FromResult<ReadOnlyMemory<byte>>(Array.Empty<byte>()); }));
        return (dispatcher, routed);
    }

    [Fact]
    public async Task Membership_payloads_go_to_membership_and_everything_else_to_the_gateway()
    {
        var (dispatcher, routed) = Create();
        var join = MembershipCodec.Encode(MembershipMessage.Join(new SiloAddress("127.0.0.1", 1000, 1)));

        await dispatcher.HandleAsync(FrameKind.Request, join, Caller, default);
        await dispatcher.HandleAsync(FrameKind.Request, GrainCallCodec.EncodeManifestRequest(), Caller, default);
        await dispatcher.HandleAsync(FrameKind.Request, ReadOnlyMemory<byte>.Empty, Caller, default);
        await dispatcher.HandleAsync(FrameKind.Request, new byte[] { 0x7f, 1 }, Caller, default);

        Assert.Equal(["membership", "grains", "grains", "grains"], routed);
        Assert.NotEqual(MembershipCodec.FormatVersion, GrainCallCodec.Version);
    }
}
