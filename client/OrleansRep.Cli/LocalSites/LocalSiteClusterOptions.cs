namespace OrleansRep.Cli.LocalSites;

/// <summary>How <see cref="LocalSiteCluster"/> starts its silo processes.</summary>
internal sealed class LocalSiteClusterOptions
{
    /// <summary>
    /// Silo arguments for failure detection that tolerates a loaded machine: a site is suspected after 5 missed probes
    /// of 1 s (the silo's defaults are 3 of 200 ms), as the end-to-end tests run them. With the defaults, a shared
    /// 2-core machine under load declares healthy or just-restarted sites dead, which a benchmark would report as
    /// errors or failed restarts. A killed process's connections close at once, so kill -9 is still noticed quickly.
    /// </summary>
    public static readonly IReadOnlyList<string> LenientFailureDetection = ["--probe-timeout", "00:00:01", "--missed-probes", "5"];

    /// <summary>Sites (silo processes), ids 1..Sites. Default 3, the smallest group with a quorum that survives a loss.</summary>
    public int Sites { get; init; } = 3;

    /// <summary>Shards in the cluster (<c>--shards</c> of each silo). Default 4, the silo's own default.</summary>
    public int Shards { get; init; } = 4;

    /// <summary>The silo executable. Default OrleansRep.Silo.dll beside orep (the CLI project references the silo project).</summary>
    public string SiloDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "OrleansRep.Silo.dll");

    /// <summary>More arguments for every silo (e.g. failure-detection timings). Default none: the silo's defaults.</summary>
    public IReadOnlyList<string> ExtraSiloArguments { get; init; } = [];

    /// <summary>How long a site may take to print its start line and then to answer /readyz. Default 90 s: three
    /// processes starting at once on a loaded 2-core machine.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a site may take to stop after SIGTERM before it is killed. Default 10 s.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentException">A value is out of range, or the silo executable is missing.</exception>
    public void Validate()
    {
        if (Sites is < 1 or > 9)
        {
            throw new ArgumentException($"Sites must be 1..9, not {Sites}");
        }

        if (Shards is < 1 or > 1024)
        {
            throw new ArgumentException($"Shards must be 1..1024, not {Shards}");
        }

        if (!File.Exists(SiloDll))
        {
            throw new ArgumentException($"the silo executable '{SiloDll}' does not exist (build client/OrleansRep.Cli, which references silo/OrleansRep.Silo)");
        }
    }
}
