using OrleansRep.Runtime.Hosting;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>The site's own engine environment ({root}/site-N/site), where grain state (the site's membership) is kept
/// through the WAL. Owned by the silo's services: opened on first use, closed with the silo.</summary>
public sealed class SiteEnvironment(SiteStorageOptions options, LocalSiloDetails silo) : IDisposable
{
    private readonly Lazy<StorageEnvironment> _environment = new(() =>
    {
        var site = options.SiteId ?? silo.SiteId ?? throw new InvalidOperationException("the silo serves no site: set SiloHostOptions.SiteId or SiteStorageOptions.SiteId");
        var home = Path.Combine(options.DataRoot, $"site-{site}", "site");
        Directory.CreateDirectory(home);
        return StorageEnvironment.Open(home);
    });

    public StorageEnvironment Environment => _environment.Value;

    public void Dispose()
    {
        if (_environment.IsValueCreated)
        {
            _environment.Value.Dispose();
        }
    }
}
