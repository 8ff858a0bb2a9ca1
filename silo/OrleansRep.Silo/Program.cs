using OrleansRep.Silo;

// With a site id (--site-id, OREP_SITEID or appsettings.json) this process is that site; without one it starts and
// supervises the local 3-site cluster. Exit codes: 0 stopped cleanly, 2 bad configuration, 3 declared dead by the
// cluster (restart it), 1 anything else.
try
{
    var configuration = SiteConfiguration.Build(args);
    var options = SiteConfiguration.Bind(configuration);
    if (options.SiteId is null)
    {
        using var cluster = new LocalCluster(options, args);
        return await cluster.RunAsync().ConfigureAwait(false);
    }

    await using var site = await SiteApplication.StartAsync(options, configuration).ConfigureAwait(false);
    Console.WriteLine($"site {options.SiteId}: site-to-site {site.Site.Host.EndPoint}, gateway {site.Site.Host.GatewayEndPoint}, http {site.HttpAddress}, data {Path.GetFullPath(options.DataRoot)}");
    if (Environment.GetEnvironmentVariable(LocalCluster.SupervisedVariable) == "1")
    {
        // A supervised site stops when its supervisor goes away, even by kill -9: stdin is the supervisor's pipe.
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync().ConfigureAwait(false);
            site.Stop();
        });
    }

    await site.WaitForShutdownAsync().ConfigureAwait(false);
    if (site.DeclaredDead)
    {
        await Console.Error.WriteLineAsync($"orep-silo: site {options.SiteId} was declared dead by the cluster; exiting so that it restarts as a new incarnation").ConfigureAwait(false);
        return 3;
    }

    return 0;
}
catch (Exception e) when (e.GetBaseException() is OrleansRep.Storage.EnvironmentLockedException locked)
{
    // Two sites on one data directory: a configuration error (the same --site-id and --data twice).
    await Console.Error.WriteLineAsync($"orep-silo: bad configuration: the data directory is in use: {locked.Message}").ConfigureAwait(false);
    return 2;
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"orep-silo: bad configuration: {e.Message}").ConfigureAwait(false);
    return 2;
}
catch (Exception e) when (e.GetBaseException() is OrleansRep.Runtime.Membership.SiloDeclaredDeadException or OrleansRep.Runtime.Placement.SiloUnavailableException)
{
    // Declared dead while starting (its own site grain has no active silo in its own view): as when declared dead
    // later, a new incarnation must start, so the supervisor is told to restart it.
    await Console.Error.WriteLineAsync($"orep-silo: declared dead by the cluster while starting ({e.GetBaseException().Message}); exiting so that it restarts as a new incarnation").ConfigureAwait(false);
    return 3;
}
#pragma warning disable CA1031 // The process's last word: what failed, without a stack trace for the user to read through.
catch (Exception e)
#pragma warning restore CA1031
{
    await Console.Error.WriteLineAsync($"orep-silo: failed: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
    return 1;
}
