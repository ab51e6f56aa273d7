import { render } from 'preact'
import { client } from '../shared/http.js'
import { App } from './App.js'
import '../shared/base.css'
import './desk.css'

render(<App api={client(location.origin)} />, document.getElementById('app') as HTMLElement)
