using OrleansRep.Runtime.Core;

namespace OrleansRep.Client;

/// <summary>The client's way to each site: a grain factory whose calls reach that site's own grains. The seam between
/// routing (<see cref="OrleansRepClient"/>) and connections (<see cref="SiteGateways"/>, or a test's in-memory twin).</summary>
internal interface ISiteGateways : IAsyncDisposable
{
    /// <summary>The sites known so far, ascending.</summary>
    IReadOnlyList<int> Sites { get; }

    /// <summary>The gateway address of <paramref name="site"/> as configured ("-" if unknown).</summary>
    string AddressOf(int site);

    /// <summary>A factory for <paramref name="site"/>'s grains, or null when it cannot be reached now.</summary>
    ValueTask<IGrainFactory?> TryGetAsync(int site, CancellationToken cancellationToken);

    /// <summary>Tries every gateway not connected yet (skipping those that just failed); returns how many are connected.</summary>
    ValueTask<int> ConnectAllAsync(CancellationToken cancellationToken);

    /// <summary>A call to <paramref name="site"/> failed as if it were gone: drop its connection; the next use reconnects.</summary>
    void Lost(int site);
}
