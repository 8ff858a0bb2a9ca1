using System.Collections.Concurrent;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Runtime.Remote;

/// <summary>
/// TEMPORARY, until placement over membership arrives: an explicit "grain type -> silo" map. Calls to a grain type
/// routed here go to that route's invoker (a <see cref="RemoteGrainCallInvoker"/> to another silo); every other call
/// goes to the local silo. Grains that call across silos take this from their services and use its
/// <see cref="GrainFactory"/>. The call chain travels with each call, so A (silo 1) -> B (silo 2) -> A completes.
/// </summary>
public sealed class StaticGrainPlacement : IGrainCallInvoker
{
    private readonly ConcurrentDictionary<string, IGrainCallInvoker> _routes = new(StringComparer.Ordinal);
    private Silo? _local;
    private GrainFactory? _factory;

    /// <summary>References whose calls follow the map. Available once <see cref="UseLocalSilo"/> has run.</summary>
    public IGrainFactory GrainFactory =>
        _factory ?? throw new InvalidOperationException("StaticGrainPlacement.UseLocalSilo has not been called yet.");

    /// <summary>Sets the silo that serves every grain type without a route (call once, after the silo is built).</summary>
    public StaticGrainPlacement UseLocalSilo(Silo silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (Interlocked.CompareExchange(ref _local, silo, null) is not null)
        {
            throw new InvalidOperationException("The local silo is already set.");
        }

        _factory = new GrainFactory(this, silo.Registry);
        return this;
    }

    /// <summary>Sends calls to grains of <paramref name="grainType"/> through <paramref name="invoker"/>.</summary>
    public StaticGrainPlacement Route(string grainType, IGrainCallInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(grainType);
        ArgumentNullException.ThrowIfNull(invoker);
        _routes[grainType] = invoker;
        return this;
    }

    public Task<object?> InvokeAsync(GrainCall request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_routes.TryGetValue(request.Target.Type, out var remote))
        {
            return remote.InvokeAsync(request);
        }

        return (_local ?? throw new InvalidOperationException("StaticGrainPlacement.UseLocalSilo has not been called yet.")).InvokeAsync(request);
    }
}
