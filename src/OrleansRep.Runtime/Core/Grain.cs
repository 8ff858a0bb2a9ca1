namespace OrleansRep.Runtime.Core;

/// <summary>
/// The base class of grain implementations. The silo constructs a grain when a call finds no activation
/// (constructor parameters come from the silo's services), loads the persistent states the constructor asked
/// for, calls <see cref="OnActivateAsync"/>, then delivers calls one turn at a time.
/// </summary>
public abstract class Grain : IGrain
{
    // The activation being constructed on this thread: lets the parameterless base constructor find its activation
    // (as Orleans' RuntimeContext does) without every grain passing a context to base(...).
    [ThreadStatic]
    private static GrainActivation? constructing;

    private readonly GrainActivation _activation;

    protected Grain() =>
        _activation = constructing
            ?? throw new InvalidOperationException($"{GetType().Name} is a grain: the silo creates it on activation; get a reference from IGrainFactory.GetGrain instead of constructing it.");

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => _activation.GrainId;

    /// <summary>The silo's services (Orleans' <c>Grain.ServiceProvider</c>).</summary>
    public IServiceProvider ServiceProvider => _activation.Services;

    /// <summary>Makes references to other grains (and to this one).</summary>
    public IGrainFactory GrainFactory => _activation.GrainFactory;

    /// <summary>Called before the first call is delivered, after persistent state is loaded. If it throws, the
    /// activation is discarded and the waiting calls fail with <see cref="GrainActivationException"/>.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called as the activation's last turn (timers are already stopped). An exception is logged.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    internal static Grain Construct(GrainActivation activation, Func<Grain> create)
    {
        constructing = activation;
        try
        {
            return create();
        }
        finally
        {
            constructing = null;
        }
    }

    /// <summary>Deactivates this activation once no call is running or waiting (the current call completes first).</summary>
    protected void DeactivateOnIdle() =>
        _activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle"));

    /// <summary>
    /// Calls <paramref name="callback"/> after <paramref name="dueTime"/> and then every <paramref name="period"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: once), on the silo's <see cref="TimeProvider"/>. Each tick is a turn:
    /// it never runs concurrently with another turn, and the next period starts when the tick's turn ends.
    /// Dispose the result to stop the timer; deactivation stops it too. Ticks do not keep the grain alive.
    /// </summary>
    protected IDisposable RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.RegisterTimer(cancellationToken => callback(state, cancellationToken), dueTime, period);
    }

    /// <inheritdoc cref="RegisterGrainTimer{TState}(Func{TState, CancellationToken, Task}, TState, TimeSpan, TimeSpan)"/>
    protected IDisposable RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.RegisterTimer(callback, dueTime, period);
    }

    /// <summary>
    /// The persistent state <paramref name="stateName"/> kept in the grain storage <paramref name="storageName"/>.
    /// Call it from the constructor (the counterpart of Orleans' <c>[PersistentState]</c> constructor parameter):
    /// the state is then read before <see cref="OnActivateAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called outside the constructor, the name is already used, or no
    /// grain storage has that name.</exception>
    protected IPersistentState<TState> GetPersistentState<TState>(string stateName, string storageName = SiloBuilder.DefaultGrainStorage)
        where TState : new() =>
        _activation.GetPersistentState<TState>(stateName, storageName);
}
