from gisrev.cli import main

main()
