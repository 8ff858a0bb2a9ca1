using Microsoft.Extensions.DependencyInjection;

namespace OrleansRep.Runtime.Core;

/// <summary>Configures and builds an in-process <see cref="Silo"/>: grain classes, grain storage, services,
/// options and the clock.</summary>
public sealed class SiloBuilder
{
    /// <summary>The storage name <see cref="Grain"/>'s GetPersistentState uses when none is given.</summary>
    public const string DefaultGrainStorage = "Default";

    private readonly GrainRegistry _registry = new();
    private TimeProvider _time = TimeProvider.System;
    private Func<Silo, IGrainCallInvoker>? _router;
    private bool _built;

    /// <summary>Services for grain constructors. The silo adds <see cref="TimeProvider"/> and
    /// <see cref="IGrainFactory"/>; an <c>ILoggerFactory</c> registered here receives the runtime's logs.</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>Idle collection and activation timeouts; read when the silo is built.</summary>
    public GrainCollectionOptions Collection { get; } = new();

    /// <summary>Mailbox bound; read when the silo is built.</summary>
    public GrainSchedulingOptions Scheduling { get; } = new();

    /// <summary>The clock for idle collection, timers and timeouts. Default: <see cref="TimeProvider.System"/>.</summary>
    public SiloBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        return this;
    }

    /// <summary>Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TGrainInterface"/>.</summary>
    /// <exception cref="InvalidGrainInterfaceException">The interface has a method the runtime cannot call.</exception>
    /// <exception cref="ArgumentException">The interface already has another implementation.</exception>
    public SiloBuilder AddGrain<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        _registry.Add(typeof(TGrainInterface), typeof(TGrain));
        return this;
    }

    /// <summary>
    /// Where calls made through the silo's <see cref="Silo.GrainFactory"/> (and so a grain's GrainFactory and the
    /// <see cref="IGrainFactory"/> service) go. Default: into the silo itself. A clustered silo
    /// (<c>Hosting.SiloHost</c>) routes them by placement, to this silo or another.
    /// </summary>
    public SiloBuilder UseGrainCallRouter(Func<Silo, IGrainCallInvoker> router)
    {
        ArgumentNullException.ThrowIfNull(router);
        _router = router;
        return this;
    }

    /// <summary>Registers a grain storage under <paramref name="name"/>.</summary>
    public SiloBuilder AddGrainStorage(string name, IGrainStorage storage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(storage);
        Services.AddKeyedSingleton(name, storage);
        return this;
    }

    /// <summary>Registers a new <see cref="MemoryGrainStorage"/> under <paramref name="name"/>.</summary>
    public SiloBuilder AddMemoryGrainStorage(string name = DefaultGrainStorage) => AddGrainStorage(name, new MemoryGrainStorage());

    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The builder was already built.</exception>
    public Silo Build()
    {
        if (_built)
        {
            throw new InvalidOperationException("This SiloBuilder has already built its silo.");
        }

        Collection.Validate();
        Scheduling.Validate();
        _built = true;
        Silo? silo = null;
        Services.AddSingleton(_time);
        Services.AddSingleton<IGrainFactory>(_ => silo!.GrainFactory);
        Services.AddSingleton(_ => silo!.Statistics);
        var services = Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        silo = new Silo(services, _registry, _time, Collection, Scheduling, _router);
        return silo;
    }
}
