Console.WriteLine("orep");
