using Microsoft.Extensions.DependencyInjection;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Runtime.Hosting;

/// <summary>Stream providers in a silo (Orleans' <c>AddMemoryStreams</c> and <c>GetStreamProvider</c>).</summary>
public static class StreamHostingExtensions
{
    /// <summary>The provider name used when none is given.</summary>
    public const string DefaultStreamProvider = "default";

    /// <summary>
    /// Adds a memory stream provider named <paramref name="name"/>. In a <see cref="SiloHost"/> its streams span the
    /// cluster (each lives on its owner silo, see <see cref="ClusterStreams"/>); in a lone <see cref="Silo"/> they are
    /// in-process. <paramref name="configure"/> runs once on the silo's local provider, e.g. to
    /// <see cref="MemoryStreamProvider.RegisterLog{T}"/> a history from the silo's services.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SiloBuilder AddMemoryStreams(
        this SiloBuilder builder, string name = DefaultStreamProvider, MemoryStreamProviderOptions? options = null,
        Action<IServiceProvider, MemoryStreamProvider>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        (options ??= new MemoryStreamProviderOptions()).Validate();
        builder.Services.AddKeyedSingleton(name, (services, _) =>
        {
            var provider = new MemoryStreamProvider(options, services.GetRequiredService<TimeProvider>());
            configure?.Invoke(services, provider);
            return provider;
        });
        builder.Services.AddKeyedSingleton(name, (services, _) =>
        {
            var local = services.GetRequiredKeyedService<MemoryStreamProvider>(name);
            return services.GetService<ClusterStreams>()?.CreateProvider(name, local) ?? (IStreamProvider)local;
        });
        return builder;
    }

    /// <summary>The stream provider <paramref name="name"/> of the grain's silo.</summary>
    /// <exception cref="InvalidOperationException">The silo has no such provider.</exception>
    public static IStreamProvider GetStreamProvider(this Grain grain, string name = DefaultStreamProvider)
    {
        ArgumentNullException.ThrowIfNull(grain);
        return grain.ServiceProvider.GetRequiredKeyedService<IStreamProvider>(name);
    }

    /// <summary>The stream provider <paramref name="name"/> of <paramref name="silo"/>, for code that is not a grain.</summary>
    /// <exception cref="InvalidOperationException">The silo has no such provider.</exception>
    public static IStreamProvider GetStreamProvider(this Silo silo, string name = DefaultStreamProvider)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.Services.GetRequiredKeyedService<IStreamProvider>(name);
    }
}
