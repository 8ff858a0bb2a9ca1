using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansRep.Client;

/// <summary>Registers an <see cref="OrleansRepClient"/> for dependency injection.</summary>
public static class OrleansRepClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="OrleansRepClient"/> (a singleton, disposed with the container) configured by
    /// <paramref name="configure"/>. It connects on first use, so the container can be built while the cluster is
    /// still starting; the <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> services are used when present.
    /// </summary>
    public static IServiceCollection AddOrleansRepClient(this IServiceCollection services, Action<OrleansRepClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton(sp =>
        {
            var options = new OrleansRepClientOptions();
            configure(options);
            return new OrleansRepClient(options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>());
        });
        return services;
    }
}
