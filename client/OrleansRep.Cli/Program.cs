using OrleansRep.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);
