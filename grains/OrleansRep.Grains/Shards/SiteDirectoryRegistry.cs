using System.Net;
using OrleansRep.Runtime.Placement;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// <see cref="ISiteRegistry"/> over a silo's <see cref="SiteDirectory"/> (the one its placement uses). Takes the
/// directory through a function so that a test cluster, whose directory exists only once the cluster does, can hand it
/// over late.
/// </summary>
public sealed class SiteDirectoryRegistry(Func<SiteDirectory> directory) : ISiteRegistry
{
    public SiteDirectoryRegistry(SiteDirectory directory)
        : this(() => directory)
    {
    }

    public string? EndPointOf(int site) =>
        directory().TryGetEndPoint(site, out var host, out var port) && IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port).ToString()
            : null;

    public void Register(int site, string endPoint)
    {
        if (!IPEndPoint.TryParse(endPoint, out var parsed) || parsed.Port == 0)
        {
            throw new ArgumentException($"'{endPoint}' is not an ip:port", nameof(endPoint));
        }

        directory().Register(site, parsed);
    }
}
