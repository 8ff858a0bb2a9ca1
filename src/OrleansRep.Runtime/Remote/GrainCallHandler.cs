using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// The silo side of remote grain calls (a silo gateway): an <see cref="IFrameHandler"/> for a
/// <see cref="TransportServer"/> that decodes each call, checks the caller's roles, and dispatches it into the local
/// <see cref="Silo"/> exactly as a local call (activation on demand, one turn at a time, and the call chain as the
/// caller sent it, so a cycle across silos re-enters instead of deadlocking). Only the grain interfaces registered
/// with the silo can be called.
/// <para>Roles: every call needs <see cref="ClientRoles.Read"/>; a method or interface marked
/// <see cref="RequiresRoleAttribute"/> needs those roles too. A refused call gets
/// <see cref="GrainAccessDeniedException"/> and never reaches the grain.</para>
/// <para>Call chains: only a caller holding <see cref="ClientRoles.Admin"/> (a silo: cluster-internal connections
/// authenticate with it) may carry a chain into this silo. Any other caller's call starts a new chain, so a client
/// cannot claim to be inside a grain's turn to interleave with it.</para>
/// <para>Failures: what the grain throws goes back in the response (see <see cref="RemoteExceptionTranslator"/>).
/// A malformed payload throws <see cref="GrainCallFormatException"/>, which the transport logs and returns as an
/// error frame; the connection and the silo keep serving.</para>
/// </summary>
public sealed class GrainCallHandler : IFrameHandler
{
    private readonly Silo _silo;
    private readonly IGrainCallInvoker? _router;
    private readonly FrozenDictionary<(string GrainType, string Interface), RemoteInterface> _callable;
    private readonly byte[] _manifest;
    private readonly WireStringTable _names;
    private readonly Func<string, string, RemoteInterface> _resolve;

    /// <param name="silo">The silo whose registered interfaces may be called.</param>
    /// <param name="router">Delivers the calls (a client gateway passes the cluster's placement, so a grain placed on
    /// another silo is forwarded there, not activated here); default null: into <paramref name="silo"/>.</param>
    /// <exception cref="InvalidGrainInterfaceException">A registered interface has two methods with the same wire id.</exception>
    public GrainCallHandler(Silo silo, IGrainCallInvoker? router = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _silo = silo;
        _router = router;
        var entries = silo.Registry.Interfaces
            .Select(entry => (entry.Registration.GrainType, Remote: RemoteInterface.Get(entry.Interface)))
            .ToList();
        _callable = entries.ToFrozenDictionary(entry => (entry.GrainType, entry.Remote.WireName), entry => entry.Remote);
        _manifest = GrainCallCodec.EncodeManifest([.. entries.Select(entry => (entry.Remote.WireName, entry.GrainType))]);
        _names = new WireStringTable(entries.SelectMany(entry => new[] { entry.GrainType, entry.Remote.WireName }).Distinct(StringComparer.Ordinal));
        _resolve = Resolve; // one delegate, not one per call
    }

    /// <exception cref="GrainCallFormatException">The payload is not a well-formed call to a grain this silo serves.</exception>
    public ValueTask<ReadOnlyMemory<byte>> HandleAsync(FrameKind kind, ReadOnlyMemory<byte> payload, CallerIdentity caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (kind != FrameKind.Request)
        {
            throw new GrainCallFormatException($"a silo gateway takes grain calls as requests, not {kind} frames");
        }

        // Decoding is synchronous and bounded by the frame size; it reads the payload before it is recycled.
        var reader = new WireReader(payload.Span);
        if (GrainCallCodec.ReadKind(ref reader) == GrainRequestKind.Manifest)
        {
            reader.EnsureEnd();
            return new ValueTask<ReadOnlyMemory<byte>>(
                caller.HasRoles(ClientRoles.Read)
                    ? _manifest
                    : GrainCallCodec.EncodeException(new GrainAccessDeniedException(caller.ClientId, caller.Roles, ClientRoles.Read, "the manifest")));
        }

        var (call, method) = GrainCallCodec.DecodeCall(ref reader, _resolve, cancellationToken, _names);
        if (!call.CallChain.Grains.IsEmpty && !caller.HasRoles(ClientRoles.Admin))
        {
            call = new GrainCall(call.Target, call.InterfaceType, call.Method, call.Arguments, CallChain.Empty) { RepliesInline = true };
        }

        if (!caller.HasRoles(method.RequiredRoles))
        {
            var denied = new GrainAccessDeniedException(caller.ClientId, caller.Roles, method.RequiredRoles, $"{call.InterfaceType.Name}.{method.Method.Name}");
            return new ValueTask<ReadOnlyMemory<byte>>(GrainCallCodec.EncodeException(denied));
        }

        return InvokeAsync(call, method, cancellationToken);
    }

    private RemoteInterface Resolve(string grainType, string interfaceName) =>
        _callable.TryGetValue((grainType, interfaceName), out var remote)
            ? remote
            : throw new GrainCallFormatException($"this silo serves no grain type '{grainType}' through interface '{interfaceName}'");

    // Pooled, and completed by a pooled source: the transport's continuation (queue the reply) runs inline in the
    // grain's turn instead of after a thread-pool hop (see CallTurn).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> InvokeAsync(GrainCall call, RemoteMethod method, CancellationToken cancellationToken)
    {
        try
        {
            var result = _router is null ? await _silo.InvokeValueAsync(call).ConfigureAwait(false) : await _router.InvokeAsync(call).ConfigureAwait(false);
            return GrainCallCodec.EncodeValue(result, method.ResultType);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up or the connection is closing (the silo may be stopping): nobody waits for this
            // answer, and a "cancelled" reply the caller did not ask for would hide that its silo went away.
            throw;
        }
#pragma warning disable CA1031 // The grain's exception (or a result that cannot be encoded) is the call's result: it goes to the caller.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return GrainCallCodec.EncodeException(e);
        }
    }
}
