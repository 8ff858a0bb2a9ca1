using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansRep.Runtime.Core;

/// <summary>
/// The in-process silo: the catalog of activations (at most one per grain id in this silo), activation on demand,
/// idle collection on the injected <see cref="TimeProvider"/>, and the <see cref="IGrainCallInvoker"/> that grain
/// references made by <see cref="GrainFactory"/> call into. Build one with <see cref="SiloBuilder"/>.
/// </summary>
public sealed class Silo : IGrainCallInvoker, IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> _activations = new();
    private readonly GrainRegistry _registry;
    private readonly ServiceProvider _services;
    private readonly ITimer _collector;
    private int _disposed;

    internal Silo(ServiceProvider services, GrainRegistry registry, TimeProvider time, GrainCollectionOptions collection, GrainSchedulingOptions scheduling, Func<Silo, IGrainCallInvoker>? router = null)
    {
        _services = services;
        _registry = registry;
        Time = time;
        CollectionOptions = collection;
        SchedulingOptions = scheduling;
        Logger = services.GetService<ILoggerFactory>()?.CreateLogger("OrleansRep.Runtime.Silo") ?? NullLogger.Instance;
        GrainFactory = new GrainFactory(router?.Invoke(this) ?? this, registry);
        Statistics = new GrainStatistics(registry);
        _collector = time.CreateTimer(static silo => ((Silo)silo!).CollectIdleActivations(), this, collection.CollectionQuantum, collection.CollectionQuantum);
    }

    /// <summary>Makes references whose calls this silo delivers (or, with <see cref="SiloBuilder.UseGrainCallRouter"/>, routes).</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>Activations, calls and call latency per grain type (also a service: <see cref="GrainStatistics"/>).</summary>
    public GrainStatistics Statistics { get; }

    /// <summary>The silo's services (grain constructor parameters are resolved from them).</summary>
    public IServiceProvider Services => _services;

    /// <summary>The number of activations in the catalog (including any activating or deactivating).</summary>
    public int ActivationCount => _activations.Count;

    /// <summary>The registered grain classes (the remote gateway resolves interfaces and publishes its manifest from it).</summary>
    internal GrainRegistry Registry => _registry;

    internal TimeProvider Time { get; }

    internal GrainCollectionOptions CollectionOptions { get; }

    internal GrainSchedulingOptions SchedulingOptions { get; }

    internal ILogger Logger { get; }

    public Task<object?> InvokeAsync(GrainCall request) => InvokeValueAsync(request).AsTask();

    /// <summary><see cref="InvokeAsync"/> without a task on the common path; await the result once.</summary>
    internal ValueTask<object?> InvokeValueAsync(GrainCall request)
    {
        // Not async on the common path (the grain is active): the activation's task is the call's task.
        if (request is not null && Volatile.Read(ref _disposed) == 0 && _activations.TryGetValue(request.Target, out var active))
        {
            active.EnsureStarted();
            if (active.TryAcceptCall())
            {
                return active.InvokeAsync(request);
            }
        }

        return new ValueTask<object?>(InvokeSlowAsync(request));
    }

    private async Task<object?> InvokeSlowAsync(GrainCall? request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = request;
        var registration = _registry.GetRegistration(call.Target);
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

            // GetOrAdd may build losing activations under a race; only the one in the catalog is ever started.
            var activation = _activations.GetOrAdd(
                call.Target,
                static (grainId, state) => new GrainActivation(grainId, state.registration, state.silo),
                (registration, silo: this));
            activation.EnsureStarted();
            if (activation.TryAcceptCall())
            {
                return await activation.InvokeAsync(call).ConfigureAwait(false);
            }

            // It is deactivating: wait until it is gone (its OnDeactivateAsync may still be writing state), so that
            // the next activation starts from what it left.
            await activation.Deactivated.ConfigureAwait(false);
            _activations.TryRemove(KeyValuePair.Create(call.Target, activation));
            if (activation.ActivationFailure is { } failure)
            {
                // The activation this call found failed before it could take the call: the call gets that failure,
                // as the calls already queued on it do. The next call starts a new activation.
                throw failure;
            }
        }
    }

    /// <summary>Deactivates every activation (reason <see cref="DeactivationReasonCode.ShuttingDown"/>), then
    /// disposes the services. Calls made afterwards fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _collector.DisposeAsync().ConfigureAwait(false);
        var reason = new DeactivationReason(DeactivationReasonCode.ShuttingDown, "silo is stopping");

        // Calls already past the disposed check may still add activations: repeat until the catalog stays empty.
        while (!_activations.IsEmpty)
        {
            var activations = _activations.Values.ToArray();
            foreach (var activation in activations)
            {
                activation.RequestDeactivation(reason);
            }

            await Task.WhenAll(activations.Select(a => a.Deactivated)).ConfigureAwait(false);
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }

    internal void OnActivationGone(GrainActivation activation) =>
        _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));

    private void CollectIdleActivations()
    {
        var now = Time.GetUtcNow();
        foreach (var activation in _activations.Values)
        {
            activation.CollectIfIdle(now, CollectionOptions.CollectionAge);
        }
    }
}
