namespace OrleansRep.Runtime.Core;

/// <summary>One waiting turn in an activation's mailbox (a <see cref="CallTurn"/> or a <see cref="GrainTimer"/>'s
/// tick): how to run it, and how to fail it if the activation never becomes able to (its activation failed).
/// Either ends the turn's count of in-flight work exactly once.</summary>
internal interface IMailboxItem
{
    /// <summary>Runs the turn on the activation's scheduler; never throws (the outcome goes to whoever waits for it).</summary>
    Task RunAsync();

    void Fail(Exception error);
}
