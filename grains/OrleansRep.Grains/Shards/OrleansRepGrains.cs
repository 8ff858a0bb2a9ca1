using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRep.Grains.Engine;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;

namespace OrleansRep.Grains.Shards;

/// <summary>Registers the replicated service's grains on a silo.</summary>
public static class OrleansRepGrains
{
    /// <summary>The grain storage the service's grain state lives in (the site's own engine).</summary>
    public const string StorageName = "orep";

    /// <summary>Lets the grains see (and extend, when a site is added) the site table the silo's placement uses: call
    /// before <see cref="AddOrleansRepGrains"/>.</summary>
    public static SiloBuilder AddSiteRegistry(this SiloBuilder builder, Func<Runtime.Placement.SiteDirectory> directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ISiteRegistry>(new SiteDirectoryRegistry(directory));
        return builder;
    }

    /// <summary>
    /// Adds <see cref="ILogShardGrain"/>, <see cref="IElectionGrain"/>, <see cref="ISiteGrain"/>, the site's grain
    /// storage and event log. The silo must serve a site (<c>SiloHostOptions.SiteId</c>, or <see cref="SiteStorageOptions.SiteId"/>).
    /// Replicas are always-on: idle collection is pushed out to a year (timer ticks do not count as calls), so call this
    /// on a silo that hosts the service.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static SiloBuilder AddOrleansRepGrains(this SiloBuilder builder, SiteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        builder.Collection.CollectionAge = TimeSpan.FromDays(365);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SiteEventLog>();
        builder.Services.AddSingleton<SiteEnvironment>();
        builder.Services.AddSingleton<Backup.ReplicaEnvironments>();
        builder.Services.AddSingleton<Backup.SiteBackups>();
        builder.Services.AddKeyedSingleton<IGrainStorage>(StorageName, (sp, _) => new EngineGrainStorage(sp.GetRequiredService<SiteEnvironment>().Environment));
        builder.Services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        // A silo hands its placement's site table over by registering its own ISiteRegistry first; without one the grains
        // keep a table of their own (addresses recorded in the group, but placement does not learn added sites).
        builder.Services.TryAddSingleton<ISiteRegistry>(_ => new SiteDirectoryRegistry(new Runtime.Placement.SiteDirectory()));
        return builder
            .AddGrain<ILogShardGrain, LogShardGrain>()
            .AddGrain<IElectionGrain, ElectionGrain>()
            .AddGrain<ISiteGrain, SiteGrain>();
    }
}
